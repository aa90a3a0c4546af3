(use-modules (srfi srfi-64) (test-support))(test-begin "port-transport")(test-assert #f)(test-end "port-transport")(test-exit)
