/// What this binary is. The commit it was built from is stamped into the executable
/// (the BuildCommit plugin) and handed to the server in `DukaConfiguration.commit`.
public enum BuildInfo {
    public static let version = "0.2.0"
}
