extension String {
    /// Without leading and trailing whitespace (Unicode's, not only ASCII's).
    public func trimmingWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}

/// Turns user text into a LIKE pattern that matches it literally, as a substring
/// (`%`, `_` and `\` in it match themselves; use with `ESCAPE '\'`). Both engines' searches.
public func likeSubstringPattern(_ text: String) -> String {
    var escaped = ""
    for character in text {
        if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
        escaped.append(character)
    }
    return "%" + escaped + "%"
}
