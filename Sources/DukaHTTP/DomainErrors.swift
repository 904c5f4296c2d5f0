import DukaCore
import HTTPTypes

/// The answer to each refusal of the rules and the storage engine: one place for every
/// resource, so a handler only says what it wants done.
extension APIError {
    init?(refusal error: any Error) {
        switch error {
        case AccessDenied.forbidden:
            self = .forbidden
        case let error as UserChangeError:
            switch error {
            case .notFound: self = .userNotFound
            case .duplicate(let fields): self = .duplicateUser(fields)
            case .lastAdmin: self = .conflict("last_admin", "The last active admin cannot be demoted or deactivated")
            case .cannotDeleteSelf: self = .conflict("cannot_delete_self", "You cannot delete your own account")
            case .hasDependents: self = .conflict("has_dependents", "This user owns carts or shifts; deactivate or soft-delete the account instead")
            }
        case let error as CustomerChangeError:
            switch error {
            case .notFound: self = .customerNotFound
            case .alreadyDeleted: self = APIError(.badRequest, code: "already_deleted", message: "Customer is already deleted")
            case .notDeleted: self = APIError(.badRequest, code: "not_deleted", message: "Customer is not deleted")
            case .alreadyActive: self = APIError(.badRequest, code: "already_active", message: "Customer is already active")
            case .alreadyInactive: self = APIError(.badRequest, code: "already_inactive", message: "Customer is already inactive")
            }
        case let error as ProductChangeError:
            switch error {
            case .notFound: self = .productNotFound
            case .duplicateSKU: self = .conflict("duplicate", "A product with this sku already exists", fieldErrors: ["sku": "is already taken"])
            case .hasDependents: self = .conflict("has_dependents", "Cart lines or stock movements refer to this product; deactivate it instead")
            case .duplicateBarcode(let field):
                self = .conflict("duplicate", "Another product already has this barcode", fieldErrors: [field: "is already taken"])
            }
        case let error as ProductImportError:
            self = .validation(error.errors)
        case let error as CartChangeError:
            switch error {
            case .notFound: self = .cartNotFound
            case .itemNotFound: self = .notFound("Cart item not found")
            case .activeCartExists: self = .conflict("active_cart_exists", "This customer already has an active cart")
            case .cartNotActive: self = APIError(.badRequest, code: "cart_not_active", message: "The cart is no longer active")
            case .emptyCart: self = APIError(.badRequest, code: "empty_cart", message: "An empty cart cannot be checked out")
            case .customerNotAllowed: self = .validation("customer_id", "must name an active customer")
            case .productUnknown: self = .validation("product_id", "does not name a product")
            case .productInactive: self = .validation("product_id", "names a product that is not on sale")
            case .quantityTooLarge: self = .validation("quantity", "would take the line past 1000000.000")
            case .cartTotalTooLarge: self = .validation("quantity", "would take the cart's total past 100000000000000.00")
            }
        case let error as SellingChangeError:
            switch error {
            case .branchNotFound: self = .notFound("Branch not found")
            case .shiftNotFound: self = .notFound("Shift not found")
            case .refundNotFound: self = .notFound("Refund not found")
            case .cartNotFound: self = .cartNotFound
            case .duplicate(let field, let message): self = .conflict("duplicate", message, fieldErrors: [field: "is already taken"])
            case .lastBranch: self = .conflict("last_branch", "The last active branch cannot be deactivated")
            case .shiftAlreadyOpen: self = .conflict("shift_already_open", "You already have an open shift; close it first")
            case .noOpenShift: self = .conflict("no_open_shift", "Open a shift before taking or paying back money")
            case .shiftClosed: self = APIError(.badRequest, code: "shift_closed", message: "The shift is closed and cannot change")
            case .insufficientPayment: self = APIError(.badRequest, code: "insufficient_payment", message: "The payments do not reach the total")
            case .cartNotCheckedOut: self = APIError(.badRequest, code: "cart_not_checked_out", message: "The cart has not been checked out")
            case .invalid(let field, let reason): self = .validation(field, reason)
            }
        case let error as StockChangeError:
            switch error {
            case .invalid(let field, let reason): self = .validation(field, reason)
            case .branchNotFound: self = .notFound("Branch not found")
            case .insufficient(let fields):
                self = .conflict(
                    "insufficient_stock", "Not enough stock: the level may not go below zero",
                    fieldErrors: Dictionary(fields.map { ($0, "would take the stock level below zero") }, uniquingKeysWith: { first, _ in first })
                )
            }
        case let error as StorageError:
            self = .storageFailure(error)
        default:
            return nil
        }
    }

    /// 503: the engine failed, nothing was saved.
    static func storageFailure(_ error: StorageError) -> APIError {
        switch error.kind {
        case .full: .unavailable("The database is full; the change was not saved")
        case .readOnly: .unavailable("The database is read-only; the change was not saved")
        case .ioError: .unavailable("The database could not be written; the change was not saved")
        case .busy: .unavailable("The database is busy; try again")
        case .unavailable: .unavailable("The database is unavailable; try again")
        }
    }

    static let userNotFound = APIError.notFound("User not found")
    static let customerNotFound = APIError.notFound("Customer not found")
    static let productNotFound = APIError.notFound("Product not found")
    static let cartNotFound = APIError.notFound("Cart not found")

    /// 409 `duplicate` naming the taken field(s).
    static func duplicateUser(_ fields: [String]) -> APIError {
        let errors = Dictionary(uniqueKeysWithValues: fields.map { ($0, "is already taken") })
        return .conflict("duplicate", "A user with this \(fields.joined(separator: " and ")) already exists", fieldErrors: errors)
    }
}
