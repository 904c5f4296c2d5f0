
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

/// Every `stride`-th id of a list in id order: where a deep page's scan may start.
public struct PageBoundaryIDs: Sendable {
    public let stride: Int64
    public let ids: [Int64]

    public init(stride: Int64, ids: [Int64]) {
        self.stride = stride
        self.ids = ids
    }

    /// The id to start from and the rows to skip after it, for `offset` into the list
    /// (nil past its end).
    public func start(forOffset offset: Int64) -> (id: Int64, skip: Int64)? {
        let bucket = Int(offset / stride)
        guard bucket < ids.count else { return nil }
        return (ids[bucket], offset % stride)
    }

    /// An id that every row of the page of `size` rows at `offset` comes before (nil when
    /// the page may reach the list's end): a bound that lets a planner see a short range.
    public func end(forOffset offset: Int64, size: Int64) -> Int64? {
        let bucket = Int((offset + max(size, 1) - 1) / stride) + 1
        return bucket < ids.count ? ids[bucket] : nil
    }
}
