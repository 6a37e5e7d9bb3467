//! Herder tests.
