package server

// The suite hashes passwords with cheap argon2id parameters (a login per test case);
// TestArgonParameters checks the real ones.
func init() { argonTime, argonMemory = 1, 1024 }
