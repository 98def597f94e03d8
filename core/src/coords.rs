//! Coordinate systems used by Chinese phones and maps (WGS-84, GCJ-02, BD-09) and conversion
//! between them. Being written; see the routing issue.
