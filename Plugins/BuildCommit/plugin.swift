import Foundation
import PackagePlugin

/// Writes `let builtCommit = "<commit>"` for the target it is applied to: the git commit
/// of the package's checkout (with "-dirty" when it has uncommitted changes), or
/// "unknown" outside a git checkout. The file is rewritten only when the value changes,
/// so an unchanged checkout rebuilds nothing.
@main
struct BuildCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "stamp")
        let script = #"""
            commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
            if [ "$commit" != unknown ] && ! git -C "$1" diff --quiet HEAD -- 2>/dev/null; then commit="$commit-dirty"; fi
            line="let builtCommit = \"$commit\""
            mkdir -p "$2"
            [ "$(cat "$2/BuiltCommit.swift" 2>/dev/null)" = "$line" ] || printf '%s\n' "$line" > "$2/BuiltCommit.swift"
            """#
        return [
            .prebuildCommand(
                displayName: "Stamping the git commit into \(target.name)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                outputFilesDirectory: output
            ),
        ]
    }
}
