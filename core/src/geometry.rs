//! Grid outline validation and the in-memory grid index. Being written; see the routing issue.
