;; Guile 3.0 version of tools/bench/programs/fib.eta (same algorithm, same output).
; fib: doubly recursive Fibonacci (procedure calls and integer arithmetic).
(define (fib n)
  (if (< n 2)
      n
      (+ (fib (- n 1)) (fib (- n 2)))))

(display (fib 35))
(newline)
