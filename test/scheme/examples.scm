(use-modules (srfi srfi-64) (test-support))(test-begin "examples")(test-assert #f)(test-end "examples")(test-exit)
