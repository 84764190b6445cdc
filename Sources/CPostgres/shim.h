#include <libpq-fe.h>

/// PG_DIAG_SQLSTATE is a character macro Swift does not import: the field code of a result's SQLSTATE.
static inline int cpostgres_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
