/// Receipts, credit notes and shift reports laid out for a till's printer (API.md 7.4):
/// plain text of 48 or 32 columns (no line longer), and the same lines as a printable
/// HTML page for 80 mm paper. Times are Nairobi's (UTC+3); amounts as in JSON.
public struct PrintedDocument: Sendable {
    public enum Block: Sendable {
        case centered(String)
        /// Left text and a right-aligned amount on one line (or two, when they do not fit).
        case row(String, String)
        /// Text wrapped to the width.
        case text(String)
        case rule
        case blank
    }

    public var title: String
    public var blocks: [Block] = []

    public init(title: String) { self.title = title }

    public static let widths = [32, 48]

    /// Nairobi's local time of a UTC time: `2026-12-03 14:05`.
    public static func localTime(_ seconds: Int64) -> String {
        let iso = Timestamp.iso8601(seconds + 3 * 3600)
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(5))
    }

    /// The lines of the document at `width` columns; none longer.
    public func lines(width: Int) -> [String] {
        var lines: [String] = []
        for block in blocks {
            switch block {
            case .centered(let text):
                for line in Self.wrap(text, width: width) {
                    let pad = (width - line.count) / 2
                    lines.append(String(repeating: " ", count: pad) + line)
                }
            case .row(let left, let right):
                let right = String(right.prefix(width))
                if left.count + 1 + right.count <= width {
                    lines.append(left + String(repeating: " ", count: width - left.count - right.count) + right)
                } else {
                    lines += Self.wrap(left, width: width)
                    lines.append(String(repeating: " ", count: width - right.count) + right)
                }
            case .text(let text):
                lines += Self.wrap(text, width: width)
            case .rule:
                lines.append(String(repeating: "-", count: width))
            case .blank:
                lines.append("")
            }
        }
        return lines
    }

    public func text(width: Int) -> String {
        lines(width: width).joined(separator: "\n") + "\n"
    }

    /// A page for 80 mm paper: the 48-column lines in a `<pre>`, styled by the console's
    /// own `receipt.css` (the console's CSP admits no inline style or script).
    public func html(stylesheet: String) -> String {
        var page = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        page += "<title>\(Self.escape(title))</title>\n"
        page += "<link rel=\"stylesheet\" href=\"\(Self.escape(stylesheet))\">\n</head>\n<body class=\"receipt\">\n<pre>"
        page += Self.escape(lines(width: 48).joined(separator: "\n"))
        page += "</pre>\n</body>\n</html>\n"
        return page
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Words wrapped to `width` (a word longer than the width is cut); line breaks and
    /// other control characters become spaces.
    static func wrap(_ text: String, width: Int) -> [String] {
        let cleaned = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 }.filter { !($0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false) })
        var lines: [String] = []
        var current = ""
        for word in cleaned.split(separator: " ") {
            var word = Substring(word)
            while word.count > width {
                if !current.isEmpty { lines.append(current); current = "" }
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            if word.isEmpty { continue }
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.isEmpty ? [""] : lines
    }
}

extension PrintedDocument {
    static func methodName(_ method: Payment.Method) -> String {
        switch method {
        case .cash: "Cash"
        case .mpesa: "M-Pesa"
        case .card: "Card"
        }
    }

    mutating func header(_ shop: Shop) {
        blocks.append(.centered(shop.name))
        if !shop.address.isEmpty { blocks.append(.centered(shop.address)) }
        if !shop.phone.isEmpty { blocks.append(.centered("Tel: " + shop.phone)) }
        if !shop.kraPIN.isEmpty { blocks.append(.centered("PIN: " + shop.kraPIN)) }
        blocks.append(.rule)
    }

    mutating func lines(_ lines: [PrintedLine], sign: Int64 = 1) {
        for line in lines {
            blocks.append(.text(line.name))
            let unit = line.unit.isEmpty ? "" : " " + line.unit
            blocks.append(.row(
                "  \(FixedPoint.quantity(line.quantityMilli))\(unit) x \(FixedPoint.money(line.unitPriceCents))",
                "\(FixedPoint.money(sign * line.lineTotalCents)) \(line.taxClass.rawValue)"
            ))
        }
        blocks.append(.rule)
    }

    mutating func vat(_ summary: [VATLine], sign: Int64 = 1) {
        for line in summary {
            blocks.append(.row(
                "VAT \(line.taxClass.rawValue) \(FixedPoint.money(line.taxClass.ratePercent * 100))% on \(FixedPoint.money(sign * line.totalCents))",
                FixedPoint.money(sign * line.vatCents)
            ))
        }
    }

    mutating func payments(_ payments: [Payment], sign: Int64 = 1) {
        for payment in payments {
            let reference = payment.reference.map { " " + $0 } ?? ""
            blocks.append(.row(Self.methodName(payment.method) + reference, FixedPoint.money(sign * payment.amountCents)))
        }
    }

    /// A sale's receipt.
    public static func receipt(_ receipt: Receipt) -> PrintedDocument {
        let cart = receipt.cart
        var document = PrintedDocument(title: "Receipt " + (cart.receiptNumber ?? ""))
        document.header(receipt.shop)
        document.blocks.append(.row("Receipt", cart.receiptNumber ?? ""))
        document.blocks.append(.row("Date", localTime(cart.updatedAt)))
        document.blocks.append(.row("Branch", receipt.branch.code))
        if let cashier = cart.cashier { document.blocks.append(.row("Cashier", cashier)) }
        if let name = receipt.customerFullName, !name.isEmpty { document.blocks.append(.row("Customer", name)) }
        document.blocks.append(.rule)
        document.lines(receipt.lines)
        document.blocks.append(.row("TOTAL", FixedPoint.money(cart.totalCents)))
        document.vat(cart.vatSummary)
        document.blocks.append(.row("VAT total", FixedPoint.money(cart.vatCents)))
        document.blocks.append(.rule)
        if cart.payments.isEmpty {
            document.blocks.append(.row("Payment", "UNPAID"))
        } else {
            document.payments(cart.payments)
            document.blocks.append(.row("CHANGE", FixedPoint.money(cart.changeCents)))
        }
        if !receipt.refunds.isEmpty {
            document.blocks.append(.rule)
            for note in receipt.refunds {
                document.blocks.append(.row("Refund " + note.creditNoteNumber, FixedPoint.money(-note.totalCents)))
            }
        }
        if !receipt.shop.receiptFooter.isEmpty {
            document.blocks.append(.rule)
            for paragraph in receipt.shop.receiptFooter.split(separator: "\n", omittingEmptySubsequences: false) {
                document.blocks.append(.centered(String(paragraph)))
            }
        }
        return document
    }

    /// A refund's credit note (amounts given back shown negative).
    public static func creditNote(_ note: CreditNote) -> PrintedDocument {
        let refund = note.refund
        var document = PrintedDocument(title: "Credit note " + refund.creditNoteNumber)
        document.header(note.shop)
        document.blocks.append(.centered("CREDIT NOTE"))
        document.blocks.append(.row("Credit note", refund.creditNoteNumber))
        document.blocks.append(.row("For receipt", refund.receiptNumber))
        document.blocks.append(.row("Date", localTime(refund.createdAt)))
        document.blocks.append(.row("Branch", note.branch.code))
        if let cashier = note.cashier { document.blocks.append(.row("Cashier", cashier)) }
        if let name = note.customerFullName, !name.isEmpty { document.blocks.append(.row("Customer", name)) }
        document.blocks.append(.text("Reason: " + refund.reason))
        document.blocks.append(.rule)
        document.lines(note.lines, sign: -1)
        document.blocks.append(.row("TOTAL", FixedPoint.money(-refund.totalCents)))
        document.vat(refund.vatSummary, sign: -1)
        document.blocks.append(.row("VAT total", FixedPoint.money(-refund.vatCents)))
        if !refund.payments.isEmpty {
            document.blocks.append(.rule)
            document.payments(refund.payments, sign: -1)
        }
        return document
    }

    /// A shift's X report (open) or Z report (closed).
    public static func shiftReport(_ report: ShiftReport, shop: Shop, branch: Branch) -> PrintedDocument {
        let shift = report.shift
        let kind = shift.status == .open ? "X REPORT" : "Z REPORT"
        var document = PrintedDocument(title: (shift.status == .open ? "X report" : "Z report") + " shift \(shift.id)")
        document.header(shop)
        document.blocks.append(.centered(kind))
        document.blocks.append(.row("Shift", String(shift.id)))
        document.blocks.append(.row("Branch", branch.code))
        document.blocks.append(.row("Cashier", shift.username))
        document.blocks.append(.row("Opened", localTime(shift.openedAt)))
        if let closedAt = shift.closedAt { document.blocks.append(.row("Closed", localTime(closedAt))) }
        document.blocks.append(.rule)
        document.blocks.append(.row("Sales (\(report.salesCount))", FixedPoint.money(report.salesTotalCents)))
        for method in Payment.Method.allCases {
            document.blocks.append(.row("  " + methodName(method), FixedPoint.money(report.byMethod[method] ?? 0)))
        }
        document.vat(report.vat)
        document.blocks.append(.row("Refunds (\(report.refundsCount))", FixedPoint.money(-report.refundsTotalCents)))
        for method in Payment.Method.allCases {
            document.blocks.append(.row("  " + methodName(method), FixedPoint.money(-(report.refundsByMethod[method] ?? 0))))
        }
        document.blocks.append(.rule)
        document.blocks.append(.row("Opening float", FixedPoint.money(shift.openingFloatCents)))
        document.blocks.append(.row("Pay-ins", FixedPoint.money(report.payInsCents)))
        document.blocks.append(.row("Pay-outs", FixedPoint.money(-report.payOutsCents)))
        document.blocks.append(.row("Expected cash", FixedPoint.money(report.expectedCashCents)))
        if let counted = shift.countedCashCents {
            document.blocks.append(.row("Counted cash", FixedPoint.money(counted)))
            document.blocks.append(.row("Difference", FixedPoint.money(counted - report.expectedCashCents)))
        }
        return document
    }
}
