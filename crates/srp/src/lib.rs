//! Cognito SRP-6a. (Being written.)
