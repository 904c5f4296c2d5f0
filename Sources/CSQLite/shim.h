#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }

// Extended result codes are macros built from expressions, which Swift does not import.
static const int CSQLITE_CONSTRAINT_UNIQUE = SQLITE_CONSTRAINT_UNIQUE;
static const int CSQLITE_CONSTRAINT_PRIMARYKEY = SQLITE_CONSTRAINT_PRIMARYKEY;
static const int CSQLITE_CONSTRAINT_FOREIGNKEY = SQLITE_CONSTRAINT_FOREIGNKEY;
static const int CSQLITE_CONSTRAINT_CHECK = SQLITE_CONSTRAINT_CHECK;
static const int CSQLITE_CONSTRAINT_NOTNULL = SQLITE_CONSTRAINT_NOTNULL;

// sqlite3_config is variadic, which Swift cannot call; it must run before the library is
// first used. MEMSTATUS off: SQLite then keeps no allocation statistics, which it guards
// with one global mutex taken around every malloc and free (the reader threads contend
// for it: FTS5 queries allocate a lot).
static inline int csqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

// sqlite3_db_config is variadic too. The query planner stability guarantee: plans never
// depend on bound values. Without it, a statement whose LIKE takes a bound pattern is
// marked to be prepared again whenever that parameter is bound (SQLite looks at the value
// for its LIKE optimisation), so every short search prepared its statements anew.
static inline int csqlite_enable_stable_plans(sqlite3 *db) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_QPSG, 1, (int *)0);
}
