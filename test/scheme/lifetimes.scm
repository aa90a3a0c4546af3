(use-modules (srfi srfi-64) (test-support))(test-begin "lifetimes")(test-assert #f)(test-end "lifetimes")(test-exit)
