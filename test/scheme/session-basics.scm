(use-modules (srfi srfi-64) (test-support))(test-begin "session-basics")(test-assert #f)(test-end "session-basics")(test-exit)
