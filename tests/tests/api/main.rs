//! Black-box tests of the Plaza API: one fresh application and database per test, HTTP only.
//! Run on SQLite by default; set `PLAZA_TEST_DATABASE_URL` to run the same tests on PostgreSQL.

mod answers;
mod auth;
mod ballots;
mod budgets;
mod catalog;
mod categories;
mod census;
mod comments;
mod concurrency;
mod debates;
mod errors;
mod hardening;
mod idempotency;
mod mail;
mod me;
mod moderation;
mod openapi;
mod ops;
mod proposals;
mod results;
mod roles;
mod tokens;
