import DukaCore
import Foundation
import HTTPTypes
import Testing

@testable import DukaHTTP
@testable import DukaPostgres
@testable import DukaSQLite

/// Long searches that many users match: once their texts are kept (`search_texts`), the
/// totals come from the triggers' counts and the pages from a walk or the trigram index.
/// Every answer must be byte for byte the one the same request gets while the text is
/// not kept (counted at request time), before and after a run of changes, and the kept
/// counts must equal a count from scratch, also when users change during an adoption.
@Suite struct KeptSearchTests {
    /// Dense and sparse texts, LIKE's own characters, a text found only in users with
    /// other letters (their case folded by the index), and misses.
    static let texts = [
        "example", "EXAMPLE1", ".co.ke", "+2547", "kamau", "wanj", "wanjir", "ana banana", "100%", "u_st", "k\\sl", "o'ne",
        "renamed", "zq_1", "istanbul", "@x.org", "nothing here", "gen1",
    ]

    static func paths(_ text: String) -> [String] {
        let q = ShortSearchTests.query(text)
        var paths: [String] = []
        for page in [1, 2, 5] {
            paths.append("/employee/customers?search=\(q)&per_page=7&page=\(page)")
            paths.append("/employee/customers?search=\(q)&per_page=7&page=\(page)&include_deleted=true&is_active=false")
            paths.append("/api/v1/users?search=\(q)&limit=5&page=\(page)")
            paths.append("/api/v1/users?search=\(q)&limit=5&page=\(page)&role=customer&status=all&sort_by=username&sort_order=asc")
            paths.append("/api/v1/users?search=\(q)&limit=5&page=\(page)&status=deleted&sort_by=created_at&sort_order=asc")
        }
        return paths
    }

    static func answers(_ api: TestAPI, token: String, texts: [String] = texts) async throws -> [String: String] {
        var answers: [String: String] = [:]
        for text in texts {
            for path in paths(text) {
                let response = try await api.request(.get, path, token: token)
                #expect(response.status == .ok, "\(path): \(response.body)")
                answers[path] = response.body
            }
        }
        return answers
    }

    /// The kept counts against a count from scratch (the same test, in SQL).
    static func drift(_ duka: TestDuka) async throws -> Int64 {
        let recount = duka.engine == .sqlite
            ? """
              SELECT t.list, t.text, r.bucket, COUNT(*) FROM search_text_rows AS r JOIN search_texts AS t ON t.list = r.list
              WHERE instr(r.a, t.text) > 0 OR instr(r.b, t.text) > 0 OR instr(r.c, t.text) > 0 OR instr(r.d, t.text) > 0
              GROUP BY 1, 2, 3
              """
            : "SELECT g.list, g.text, g.bucket, SUM(g.sign) FROM users AS u CROSS JOIN LATERAL duka_search_text_rows(u, 1) AS g GROUP BY 1, 2, 3"
        let kept = "SELECT list, text, bucket, count FROM search_text_counts WHERE count <> 0"
        let extra = try await duka.scalarInt("SELECT COUNT(*) FROM (\(kept) EXCEPT \(recount)) AS d") ?? -1
        let missing = try await duka.scalarInt("SELECT COUNT(*) FROM (\(recount) EXCEPT \(kept)) AS d") ?? -1
        guard duka.engine == .postgres else { return extra + missing }
        // PostgreSQL lists the matches of listed texts: each user once, in its place and bucket.
        let matches = """
            SELECT g.list, g.text, CASE g.list WHEN 'u' THEN u.created_at ELSE u.id END, u.id, g.bucket
            FROM users AS u CROSS JOIN LATERAL duka_search_text_rows(u, 1) AS g
            JOIN search_texts AS t ON t.list = g.list AND t.text = g.text AND t.listed
            """
        let members = "SELECT list, text, sort_key, id, bucket FROM search_text_members"
        let extraMembers = try await duka.scalarInt("SELECT COUNT(*) FROM (\(members) EXCEPT \(matches)) AS d") ?? -1
        let missingMembers = try await duka.scalarInt("SELECT COUNT(*) FROM (\(matches) EXCEPT \(members)) AS d") ?? -1
        return extra + missing + extraMembers + missingMembers
    }

    /// How many members PostgreSQL lists (0 on SQLite, which lists none).
    static func members(_ duka: TestDuka) async throws -> Int64 {
        duka.engine == .postgres ? try await duka.scalarInt("SELECT COUNT(*) FROM search_text_members") ?? 0 : 0
    }

    @Test(arguments: TestEngine.available) func keptAnswersEqualCountedOnes(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { api in
            try await ShortSearchTests.addPeople(duka, count: 160)
            let token = try await api.token("admin", TestDuka.adminPassword)
            let counted = try await KeptSearch.$keptFromOverride.withValue(Int64.max) { try await Self.answers(api, token: token) }
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_texts") == 0)
            // Every text found in at least one user is kept.
            _ = try await KeptSearch.$keptFromOverride.withValue(1) { try await Self.answers(api, token: token) }
            await duka.server.storage.keptSearches.settle()
            let kept = try await duka.scalarInt("SELECT COUNT(*) FROM search_texts WHERE ready = \(engine == .sqlite ? "1" : "TRUE")") ?? 0
            #expect(kept >= 15, "texts kept: \(kept)")
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_texts WHERE text = 'example'") == 2)
            #expect(try await Self.drift(duka) == 0)
            if engine == .postgres { #expect(try await Self.members(duka) > 100, "every kept text is listed here") }
            // Walks within the usual budget, and within one so small that most pages are
            // found through the index instead.
            for budget: Int64? in [nil, 3] {
                let answered = try await KeptSearch.$keptFromOverride.withValue(Int64.max) {
                    try await KeptSearch.$walkBudgetOverride.withValue(budget) { try await Self.answers(api, token: token) }
                }
                for (path, body) in counted { #expect(answered[path] == body, "budget \(budget ?? -1): \(path)") }
            }

            // Changes: the kept answers against the counted ones (the texts set aside).
            try await ShortSearchTests.change(duka)
            #expect(try await Self.drift(duka) == 0)
            let ready = engine == .sqlite ? "1" : "TRUE", notReady = engine == .sqlite ? "0" : "FALSE"
            try await duka.execute("UPDATE search_texts SET ready = \(notReady)")
            let countedAfter = try await KeptSearch.$keptFromOverride.withValue(Int64.max) { try await Self.answers(api, token: token) }
            try await duka.execute("UPDATE search_texts SET ready = \(ready)")
            let keptAfter = try await KeptSearch.$keptFromOverride.withValue(Int64.max) { try await Self.answers(api, token: token) }
            for (path, body) in countedAfter { #expect(keptAfter[path] == body, "after changes: \(path)") }
            #expect(countedAfter != counted, "the changes changed some answers")

            // PostgreSQL: the same texts not listed, their pages walked or found through the
            // trigram indexes.
            if engine == .postgres {
                try await duka.execute("UPDATE search_texts SET listed = FALSE")
                try await duka.execute("DELETE FROM search_text_members")
                for budget: Int64? in [nil, 3] {
                    let answered = try await KeptSearch.$keptFromOverride.withValue(Int64.max) {
                        try await KeptSearch.$walkBudgetOverride.withValue(budget) { try await Self.answers(api, token: token) }
                    }
                    for (path, body) in countedAfter { #expect(answered[path] == body, "not listed, budget \(budget ?? -1): \(path)") }
                }
            }
        }
    }

    /// Users renamed, added and deleted while texts are adopted: the kept counts end
    /// equal to a count from scratch.
    @Test(arguments: TestEngine.available) func adoptionDuringChangesStaysExact(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { api in
            try await ShortSearchTests.addPeople(duka, count: 120)
            let token = try await api.token("admin", TestDuka.adminPassword)
            if engine == .postgres {
                // Members a writer left for texts not kept (a race with their eviction):
                // adoption lists its text afresh.
                try await duka.execute("INSERT INTO search_text_members VALUES ('c', 'kamau', 424242, 424242, 17), ('u', 'example', 7, 424243, 17)")
            }
            let changes = Task {
                for round in 0..<60 {
                    try await duka.execute(
                        "UPDATE users SET full_name = ?, email = ? WHERE id = ?",
                        .text(round % 2 == 0 ? "Kamau Example" : "Otieno"), .text("moved\(round)@example\(round % 3).co.ke"), .int(Int64(2 + round % 50))
                    )
                    try await duka.execute(
                        """
                        INSERT INTO users (uuid, username, email, password_hash, role, full_name, phone_number, created_at, updated_at)
                        VALUES (?, ?, ?, 'x', 'customer', 'Wanjiru Kamau', '+254700', 1, 1)
                        """,
                        .text(UUID().uuidString), .text("late\(round)"), .text("late\(round)@example1.co.ke")
                    )
                    if round % 3 == 0 { try await duka.execute("DELETE FROM users WHERE username = ?", .text("late\(round - 3)")) }
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            try await KeptSearch.$keptFromOverride.withValue(1) {
                for _ in 0..<3 {
                    for text in ["example", "kamau", ".co.ke", "wanjiru", "otieno", "+2547", "late"] {
                        _ = try await api.request(.get, "/employee/customers?search=\(text)", token: token)
                        _ = try await api.request(.get, "/api/v1/users?search=\(text)", token: token)
                    }
                }
            }
            try await changes.value
            await duka.server.storage.keptSearches.settle()
            let kept = try await duka.scalarInt("SELECT COUNT(*) FROM search_texts") ?? 0
            #expect(kept >= 8, "texts kept: \(kept)")
            #expect(try await Self.drift(duka) == 0)
        }
    }

    /// PostgreSQL: a page read from a listed text's members, when the text is no longer
    /// listed by the time the page's statement runs (it made room for another after the
    /// state was read), is read again through the trigram indexes: the same rows and total
    /// as a request that finds the text not listed.
    @Test(.enabled(if: TestEngine.postgresURL != nil, "needs DUKA_TEST_PG")) func aTextUnlistedBeforeItsPageIsReadAgain() async throws {
        let duka = try await TestDuka.make(.postgres)
        try await duka.run { api in
            try await ShortSearchTests.addPeople(duka, count: 120)
            let token = try await api.token("admin", TestDuka.adminPassword)
            let filter = CustomerFilter(search: "example")
            let kept = try #require(KeptSearch(filter))
            try await KeptSearch.$keptFromOverride.withValue(1) {
                _ = try await api.request(.get, "/employee/customers?search=example", token: token)
            }
            await duka.server.storage.keptSearches.settle()
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_texts WHERE list = 'c' AND text = 'example' AND listed") == 1)
            try await duka.execute("UPDATE search_texts SET listed = FALSE")
            let response = try await api.request(.get, "/employee/customers?search=example&per_page=7&page=2", token: token)
            let expected = response.json["customers"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []
            #expect(expected.count == 7)
            let admin = try #require(try await duka.user(login: "admin"))
            let access = Access(userID: admin.id, uuid: admin.uuid, role: admin.role.rawValue, sessionVersion: admin.sessionVersion, roles: [.admin])
            let storage = duka.server.storage as! PostgresStorage
            let (total, ids) = try await storage.read { db in
                var ids: [Int64] = []
                let found = try await PGAdmittedReads.userPage(
                    access, filter: PGCustomers.conditions(filter), order: "id", total: .kept(kept), page: PageRequest(page: 2, size: 7),
                    members: PGKeptSearches.Members(search: kept, descending: false), in: db
                ) { ids.append(PGUsers.decode($0).id) }
                return (found.total, ids)
            }
            #expect(ids == expected)
            #expect(total == response.json["pagination"]?["total"]?.intValue)
        }
    }

    /// A list's commonest texts kept before anyone searches them (a start's seeding): the
    /// answers stay those counted at request time, and the kept counts exact, also after changes.
    @Test(arguments: TestEngine.available) func seededTextsAnswerAsCounted(_ engine: TestEngine) async throws {
        let duka = try await TestDuka.make(engine)
        try await duka.run { api in
            try await ShortSearchTests.addPeople(duka, count: 160)
            let token = try await api.token("admin", TestDuka.adminPassword)
            let counted = try await KeptSearch.$keptFromOverride.withValue(Int64.max) { try await Self.answers(api, token: token) }
            // Lists smaller than the floor keep nothing.
            try await duka.server.storage.seedKeptSearches()
            await duka.server.storage.keptSearches.settle()
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_texts") == 0)

            try await KeptSearch.$keptFromOverride.withValue(8) { try await duka.server.storage.seedKeptSearches(from: 1) }
            await duka.server.storage.keptSearches.settle()
            let ready = engine == .sqlite ? "1" : "TRUE"
            // In every user of both lists: the e-mails' domain and the phones' prefix.
            for (list, text) in [("u", "example"), ("u", ".co.ke"), ("c", "example"), ("c", "+2547"), ("c", "e0.co.ke")] {
                #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_texts WHERE list = '\(list)' AND text = '\(text)' AND ready = \(ready)") == 1, "\(list): \(text)")
            }
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_texts WHERE text = 'nothing here'") == 0)
            let seeded = try await duka.scalarInt("SELECT COUNT(*) FROM search_texts") ?? 0
            #expect(seeded <= 2 * Int64(KeptSearchSeeds.seeded))
            #expect(try await Self.drift(duka) == 0)
            let answered = try await KeptSearch.$keptFromOverride.withValue(Int64.max) { try await Self.answers(api, token: token) }
            for (path, body) in counted { #expect(answered[path] == body, "seeded: \(path)") }
            // A list that keeps texts is not seeded again.
            try await KeptSearch.$keptFromOverride.withValue(8) { try await duka.server.storage.seedKeptSearches(from: 1) }
            await duka.server.storage.keptSearches.settle()
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_texts") == seeded)

            try await ShortSearchTests.change(duka)
            #expect(try await Self.drift(duka) == 0)
        }
    }

    /// While sign-ups follow ids (SQLite's counter `users_created_out_of_order` is 0), the
    /// users API reads a search's page by sign-up time from the trigram index in id order:
    /// every answer equals the one sorted by sign-up time, kept or counted; and the counter
    /// stays exact through inserts out of order, deletes, changed sign-up times and ids.
    @Test func signUpsInIDOrderAnswerAsSorted() async throws {
        let duka = try await TestDuka.make(.sqlite)
        try await duka.run { api in
            try await ShortSearchTests.addPeople(duka, count: 160)
            let token = try await api.token("admin", TestDuka.adminPassword)
            // Texts of three too (their totals from `search_grams`, their pages from the index).
            let texts = Self.texts + ["exa", "GEN", "ka1", "zq_", ".co", "@ex", "1@e", "x.o", "%_1", "zzz"]
            let outOfOrder = "SELECT value FROM counters WHERE name = 'users_created_out_of_order'"
            #expect(try await duka.scalarInt(outOfOrder) ?? 0 > 0)
            try await duka.execute("UPDATE users SET created_at = 1000 + id / 3")
            #expect(try await duka.scalarInt(outOfOrder) == 0)
            for keptFrom: Int64 in [Int64.max, 1] {
                let inIDOrder = try await KeptSearch.$keptFromOverride.withValue(keptFrom) { try await Self.answers(api, token: token, texts: texts) }
                await duka.server.storage.keptSearches.settle()
                try await duka.execute("UPDATE counters SET value = 1 WHERE name = 'users_created_out_of_order'")
                let sorted = try await KeptSearch.$keptFromOverride.withValue(Int64.max) { try await Self.answers(api, token: token, texts: texts) }
                try await duka.execute("UPDATE counters SET value = 0 WHERE name = 'users_created_out_of_order'")
                for (path, body) in sorted { #expect(inIDOrder[path] == body, "kept from \(keptFrom): \(path)") }
            }
            let keptUsers = try await duka.scalarInt("SELECT COUNT(*) FROM search_texts WHERE list = 'u'") ?? 0
            #expect(keptUsers >= 4, "kept: \(keptUsers)")

            let recount = UserStore.createdOutOfOrderRecount
            func expectExact(_ step: String) async throws {
                let kept = try await duka.scalarInt(outOfOrder), real = try await duka.scalarInt(recount)
                #expect(kept == real, "\(step): holds \(kept ?? -1), there are \(real ?? -1)")
            }
            try await duka.execute(
                """
                INSERT INTO users (uuid, username, email, password_hash, role, created_at, updated_at)
                VALUES ('late-1', 'late1', 'late1@x.org', 'x', 'customer', 1, 1)
                """
            )
            try await expectExact("inserted last, signed up first")
            #expect(try await duka.scalarInt(outOfOrder) == 1)
            try await duka.execute(
                """
                INSERT INTO users (id, uuid, username, email, password_hash, role, created_at, updated_at)
                VALUES (5000, 'late-2', 'late2', 'late2@x.org', 'x', 'customer', 999999, 1)
                """
            )
            try await duka.execute("DELETE FROM users WHERE id = 50")
            try await expectExact("deleted")
            try await duka.execute("UPDATE users SET created_at = 5 WHERE id IN (20, 21, 90)")
            try await expectExact("sign-up times changed")
            try await duka.execute("UPDATE users SET created_at = created_at + 7 WHERE id % 9 = 4")
            try await expectExact("more changed")
            try await duka.execute("UPDATE users SET id = 4000 WHERE id = 30")
            try await expectExact("renumbered")
            // (Back: the trigram index follows a user's columns, not a changed id.)
            try await duka.execute("UPDATE users SET id = 30 WHERE id = 4000")
            try await expectExact("renumbered back")
            try await duka.execute("DELETE FROM users WHERE username IN ('late1', 'late2')")
            try await duka.execute("UPDATE users SET created_at = 1000 + id")
            try await expectExact("in order again")
            #expect(try await duka.scalarInt(outOfOrder) == 0)
            // And searches after all that, still as sorted.
            let inIDOrder = try await Self.answers(api, token: token, texts: texts)
            try await duka.execute("UPDATE counters SET value = 1 WHERE name = 'users_created_out_of_order'")
            let sorted = try await Self.answers(api, token: token, texts: texts)
            for (path, body) in sorted { #expect(inIDOrder[path] == body, "after changes: \(path)") }
        }
    }

    /// A list keeps at most `capacity` texts: a commoner one takes the least common's place.
    @Test func theLeastCommonTextMakesRoom() async throws {
        let duka = try await TestDuka.make(.sqlite)
        try await duka.run { api in
            try await ShortSearchTests.addPeople(duka, count: 60)
            let token = try await api.token("admin", TestDuka.adminPassword)
            // The portal's list full of texts found in one user.
            for n in 0..<KeptSearch.capacity {
                try await duka.execute("INSERT INTO search_texts (list, text, ready, since) VALUES ('c', ?, 1, 1)", .text("zzz\(n)"))
                try await duka.execute("INSERT INTO search_text_counts (list, text, bucket, count) VALUES ('c', ?, 17, 1)", .text("zzz\(n)"))
            }
            _ = try await KeptSearch.$keptFromOverride.withValue(2) {
                try await api.request(.get, "/employee/customers?search=example", token: token)
            }
            await duka.server.storage.keptSearches.settle()
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_texts WHERE list = 'c'") == KeptSearch.capacity)
            #expect(try await duka.scalarInt("SELECT ready FROM search_texts WHERE list = 'c' AND text = 'example'") == 1)
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_texts WHERE text = 'zzz0'") == 0)
            #expect(try await duka.scalarInt("SELECT COUNT(*) FROM search_text_counts WHERE text = 'zzz0'") == 0)
        }
    }
}
