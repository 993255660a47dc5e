;; Guile 3.0 version of tools/bench/programs/strings.eta (same algorithm, same output).
; strings: build many small strings (string-append, number->string,
; list->string, make-string), collect them in a list and join them
; pairwise into one big string; repeated.
(define (piece i)
  (string-append "key" (number->string i)
                 "=" (number->string (* i i))
                 (list->string (list #\; #\space))
                 (make-string (remainder i 4) #\x)))

(define (pieces n)
  (let loop ((i (- n 1)) (acc '()))
    (if (< i 0)
        acc
        (loop (- i 1) (cons (piece i) acc)))))

; Join adjacent pairs until one string is left (keeps the work linear-ish).
(define (join-pass lst)
  (cond ((null? lst) '())
        ((null? (cdr lst)) lst)
        (else (cons (string-append (car lst) (car (cdr lst)))
                    (join-pass (cdr (cdr lst)))))))

(define (join lst)
  (cond ((null? lst) "")
        ((null? (cdr lst)) (car lst))
        (else (join (join-pass lst)))))

(define (run k acc)
  (if (= k 0)
      acc
      (run (- k 1) (+ acc (string-length (join (pieces 100000)))))))

(display (run 2 0))
(newline)
