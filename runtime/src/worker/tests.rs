//! Worker tests against a real Tansu broker.
