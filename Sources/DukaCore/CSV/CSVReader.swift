/// Reads CSV (RFC 4180) as its bytes arrive, a record at a time, so an upload is never
/// held whole: only the record being read is kept. Lenient where spreadsheets are: a
/// record may end in CRLF, LF or CR; a UTF-8 byte-order mark before the first record is
/// dropped; a quote inside an unquoted cell, or text after a closing quote, is kept as
/// text. Strict where it matters: a quoted cell still open at the end of the input, and
/// cells that are not UTF-8, are reported with their record's number. Each cell becomes
/// text as it ends, and a record may hold at most `maximumCells` cells (the rest are
/// counted, not kept), so no input can make a record cost more than its own bytes.
public struct CSVReader: Sendable {
    public enum Record: Sendable, Equatable {
        case cells([String])
        /// A record whose bytes are not UTF-8 text.
        case notUTF8
        /// A line with nothing on it (kept so that record numbers match a spreadsheet's rows).
        case blank
        /// A record of more than `maximumCells` cells.
        case tooManyCells
    }

    /// A quoted cell was still open when the input ended (in this record, from 1).
    public struct UnclosedQuote: Error, Equatable {
        public let record: Int

        public init(record: Int) {
            self.record = record
        }
    }

    private enum State { case cellStart, unquoted, quoted, quoteInQuoted, afterCR }

    private var state = State.cellStart
    private var cell: [UInt8] = []
    private var cells: [String] = []
    private var cellCount = 0
    private var notUTF8 = false
    public let maximumCells: Int
    private var recordHasText = false
    private var atStart = true
    private var bomSeen = 0
    /// Records produced so far.
    public private(set) var records = 0

    public init(maximumCells: Int = 1000) {
        self.maximumCells = maximumCells
    }

    /// Reads `bytes`, handing each record completed by them to `emit`.
    public mutating func read(_ bytes: some Sequence<UInt8>, _ emit: (Record) throws -> Void) rethrows {
        for byte in bytes {
            if atStart {
                // The byte-order mark EF BB BF, before anything else.
                let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
                if byte == mark[bomSeen] {
                    bomSeen += 1
                    if bomSeen == 3 { atStart = false }
                    continue
                }
                atStart = false
                if bomSeen > 0 {
                    let partial = mark[0..<bomSeen]
                    bomSeen = 0
                    for earlier in partial { try take(earlier, emit) }
                }
            }
            try take(byte, emit)
        }
    }

    /// The input has ended: the last record (if it had no line end), or the open quote.
    public mutating func finish(_ emit: (Record) throws -> Void) throws {
        if atStart, bomSeen > 0 {
            atStart = false
            let partial = [UInt8]([0xEF, 0xBB, 0xBF][0..<bomSeen])
            bomSeen = 0
            try read(partial, emit)
        }
        switch state {
        case .quoted: throw UnclosedQuote(record: records + 1)
        case .afterCR: state = .cellStart
        case .cellStart where !recordHasText && cells.isEmpty: break
        default: try endRecord(emit)
        }
    }

    private mutating func take(_ byte: UInt8, _ emit: (Record) throws -> Void) rethrows {
        let quote: UInt8 = 0x22
        if state == .afterCR {
            state = .cellStart
            if byte == 0x0A { return }  // the LF of a CRLF
        }
        switch state {
        case .quoted:
            if byte == quote { state = .quoteInQuoted } else { cell.append(byte) }
        case .quoteInQuoted:
            if byte == quote {
                cell.append(quote)
                state = .quoted
                return
            }
            state = .unquoted
            try delimiter(byte, emit) ?? cell.append(byte)
        case .cellStart:
            if byte == quote {
                state = .quoted
                recordHasText = true
                return
            }
            state = .unquoted
            try delimiter(byte, emit) ?? cell.append(byte)
        case .unquoted, .afterCR:
            try delimiter(byte, emit) ?? cell.append(byte)
        }
    }

    /// Ends the cell or the record when `byte` is a comma or a line end; nil otherwise.
    private mutating func delimiter(_ byte: UInt8, _ emit: (Record) throws -> Void) rethrows -> Void? {
        switch byte {
        case 0x2C:
            endCell()
            recordHasText = true
            state = .cellStart
        case 0x0D:
            try endRecord(emit)
            state = .afterCR
        case 0x0A:
            try endRecord(emit)
            state = .cellStart
        default:
            recordHasText = true
            return nil
        }
        return ()
    }

    /// The cell read so far becomes text (copied: `cell` keeps its buffer for the next one).
    private mutating func endCell() {
        cellCount += 1
        if cellCount <= maximumCells {
            if let text = String(validating: cell, as: UTF8.self) { cells.append(text) } else { notUTF8 = true }
        }
        cell.removeAll(keepingCapacity: true)
    }

    private mutating func endRecord(_ emit: (Record) throws -> Void) rethrows {
        records += 1
        defer {
            cells.removeAll(keepingCapacity: true)
            cell.removeAll(keepingCapacity: true)
            cellCount = 0
            notUTF8 = false
            recordHasText = false
        }
        guard recordHasText || !cells.isEmpty || !cell.isEmpty else { return try emit(.blank) }
        endCell()
        if cellCount > maximumCells { return try emit(.tooManyCells) }
        if notUTF8 { return try emit(.notUTF8) }
        try emit(.cells(cells))
    }
}
