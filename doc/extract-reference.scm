;;; extract-reference.scm --- write the manual's procedure reference.
;;;
;;; Copyright (C) 2026 The guile-gnutls-cxx authors
;;; SPDX-License-Identifier: LGPL-2.1-or-later
;;;
;;; Usage: guile -s extract-reference.scm OUTPUT.texi
;;;
;;; Loads (gnutls) (the build tree's, through the environment the build
;;; sets), walks its exports and writes Texinfo: a @deffn for every
;;; procedure, with its argument names and its docstring (docstrings are
;;; Texinfo already), grouped into sections by subject; a table of every
;;; enumerate type with its values; and the names kept only for
;;; compatibility.  The reference thus always matches the code.

(use-modules (gnutls)
             (ice-9 match)
             (ice-9 regex)
             (ice-9 session)
             (ice-9 textual-ports)
             (srfi srfi-1)
             (srfi srfi-26))

;;; What the module exports.

(define interface (resolve-interface '(gnutls)))

(define (symbol<? a b)
  (string<? (symbol->string a) (symbol->string b)))

(define exports
  ;; (NAME . VALUE) for every export, sorted by name.
  (sort (module-map (lambda (name variable) (cons name (variable-ref variable)))
                    interface)
        (lambda (a b) (symbol<? (car a) (car b)))))

(define enumerate-rx (make-regexp "^#<gnutls-(.+)-enum (.+)>$"))

(define (enumerate-info value)
  "Return (TYPE . CANONICAL-NAME) if VALUE is an enumerate, else #f."
  (and (not (procedure? value))
       (let ((m (regexp-exec enumerate-rx (object->string value))))
         (and m (cons (match:substring m 1) (match:substring m 2))))))

(define enumerate-types
  ;; Type names, from the values exported.
  (sort (delete-duplicates (filter-map (match-lambda
                                         ((name . value)
                                          (and=> (enumerate-info value) car)))
                                       exports))
        string<?))

(define (enumerate-to-string-name? name)
  (let ((s (symbol->string name)))
    (and (string-suffix? "->string" s)
         (member (string-drop-right s (string-length "->string")) enumerate-types))))

;;; Texinfo output.

(define (texinfo-escape text)
  "Escape the characters Texinfo treats specially in TEXT."
  (regexp-substitute/global #f "[@{}]" text 'pre (lambda (m) (string-append "@" (match:substring m))) 'post))

(define (argument-names proc)
  "Return the argument list of PROC for a @deffn line: required names,
[optional] names, and a rest name followed by @dots{}."
  (let* ((arguments (or (procedure-arguments proc) '()))
         (get (lambda (key) (or (assq-ref arguments key) '())))
         (required (get 'required))
         (optional (get 'optional))
         (rest (assq-ref arguments 'rest)))
    (string-join
     (append (map symbol->string required)
             (map (lambda (name) (format #f "[~a]" name)) optional)
             (if rest (list (format #f "~a @dots{}" rest)) '()))
     " ")))

(define (write-deffn name proc port)
  (let ((doc (procedure-documentation proc)))
    (format port "@deffn {Scheme Procedure} ~a ~a~%" name (argument-names proc))
    (format port "~a~%" (if (and (string? doc) (not (string-null? doc)))
                            doc
                            "Not documented."))
    (format port "@end deffn~%~%")))

(define sections
  ;; (NODE DESCRIPTION) of each section lib/guile/manual_sections.def
  ;; lists, the list the C++ reads too: every procedure declares the
  ;; section it goes to, as its `manual-section' property.
  (map (lambda (m) (list (match:substring m 1) (match:substring m 2)))
       (list-matches
        "GG_MANUAL_SECTION\\([a-z0-9_]+, *\"([^\"]*)\",[ \n]*\"([^\"]*)\"\\)"
        (call-with-input-file
            (string-append (dirname (car (command-line)))
                           "/../lib/guile/manual_sections.def")
          get-string-all))))

(define (section-of name)
  ;; The section a procedure declares (the `manual-section' property its
  ;; definition gives it); a procedure without one is a mistake.
  (let* ((value (module-ref interface name))
         (declared (procedure-property value 'manual-section)))
    (or (and declared (assoc declared sections))
        (error "no manual section for procedure" name declared))))

(define (write-section-header node port)
  (format port "@node ~a~%@section ~a~%~%" node node))

(define (write-procedure-sections procedures port)
  (for-each
   (match-lambda
     ((node description)
      (let ((members (filter (lambda (entry) (eq? (section-of (car entry))
                                                  (assoc node sections)))
                             procedures)))
        (write-section-header node port)
        (format port "~a~%~%" description)
        (if (null? members)
            (format port "None in this build.~%~%")
            (for-each (match-lambda ((name . proc) (write-deffn name proc port)))
                      members)))))
   sections))

(define (write-enumerates port)
  (write-section-header "Enumerates" port)
  (format port "Each enumerate type is a disjoint set of objects, compared with
@code{eq?} (@pxref{Enumerates and Their Values}).  For each type, its
@code{->string} procedure and its values follow, with what
@code{->string} returns for each.  A name marked as an alias is the same
object as the value it names, kept from older bindings.~%~%")
  (for-each
   (lambda (type)
     (let* ((to-string-name (string->symbol (string-append type "->string")))
            (to-string (module-ref interface to-string-name))
            (values (filter-map (match-lambda
                                  ((name . value)
                                   (match (enumerate-info value)
                                     (((? (cut string=? type <>)) . canonical)
                                      (list name value canonical))
                                     (_ #f))))
                                exports)))
       (format port "@subsection @code{~a} values~%~%" type)
       (write-deffn to-string-name to-string port)
       (format port "@multitable @columnfractions .5 .5~%")
       (for-each
        (match-lambda
          ((name value canonical)
           (let ((canonical-name (string-append type "/" canonical)))
             (format port "@item @code{~a}~%@tab ~a~%" name
                     (if (string=? canonical-name (symbol->string name))
                         (texinfo-escape (to-string value))
                         (format #f "alias of @code{~a}" canonical-name))))))
        values)
       (format port "@end multitable~%~%")))
   enumerate-types))

(define (write-compatibility-names names port)
  (write-section-header "Removed OpenPGP Support" port)
  (format port "GnuTLS 3.6 removed OpenPGP certificates.  These names remain
bound, as syntax, so that programs written for older bindings still
compile; calling one raises @code{gnutls-error} with
@code{error/unimplemented-feature}, which is what GnuTLS reports too.
@code{openpgp-certificate?} always returns false.~%~%@itemize~%")
  (for-each (lambda (name) (format port "@item @code{~a}~%" name)) names)
  (format port "@end itemize~%"))

(define (write-reference port)
  (let* ((procedures (filter (match-lambda
                               ((name . value)
                                (and (procedure? value)
                                     (not (enumerate-to-string-name? name)))))
                             exports))
         (syntax-names (filter-map (match-lambda
                                     ((name . value) (and (macro? value) name)))
                                   exports)))
    (format port "@c Generated from the docstrings of (gnutls) by~%")
    (format port "@c doc/extract-reference.scm at build time: do not edit.~%~%")
    (format port "@menu~%")
    (for-each (match-lambda
                ((node description) (format port "* ~a::  ~a~%" node description)))
              sections)
    (format port "* Enumerates::  Every enumerate type and its values.~%")
    (format port "* Removed OpenPGP Support::  Names kept for old programs.~%")
    (format port "@end menu~%~%")
    (write-procedure-sections procedures port)
    (write-enumerates port)
    (write-compatibility-names syntax-names port)))

(match (command-line)
  ((_ output)
   (let ((temporary (string-append output ".tmp")))
     ;; Written aside and renamed, so that a failed run leaves no
     ;; half-written reference behind for the next build to trust.
     (call-with-output-file temporary write-reference)
     (rename-file temporary output)))
  ((program . _)
   (format (current-error-port) "usage: ~a OUTPUT.texi~%" program)
   (exit 2)))
