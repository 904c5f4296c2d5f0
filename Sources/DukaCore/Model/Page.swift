
/// A page request: `page` from 1, `size` rows.
public struct PageRequest: Sendable, Equatable {
    public var page: Int64
    public var size: Int64

    public init(page: Int64, size: Int64) {
        self.page = page
        self.size = size
    }

    /// Rows to skip, or nil when the page is so far out that the offset overflows
    /// (it is past the end of any table then).
    public var offset: Int64? {
        let (offset, overflow) = (page - 1).multipliedReportingOverflow(by: size)
        return overflow ? nil : offset
    }

    /// `ceil(total / size)`, 0 when there is nothing.
    public func pageCount(total: Int64) -> Int64 {
        total == 0 ? 0 : (total + size - 1) / size
    }
}

/// One page of rows and the total they were taken from.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int64
    public var request: PageRequest

    public init(items: [Item], total: Int64, request: PageRequest) {
        self.items = items
        self.total = total
        self.request = request
    }

    public var pageCount: Int64 { request.pageCount(total: total) }
}
