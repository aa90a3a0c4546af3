(use-modules (srfi srfi-64) (test-support))(test-begin "loading")(test-assert #f)(test-end "loading")(test-exit)
