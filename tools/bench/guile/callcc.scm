;; Guile 3.0 version of tools/bench/programs/callcc.eta (same algorithm, same output).
; callcc: escape through call/cc once per loop iteration.
(define (run n)
  (let loop ((i 0) (acc 0))
    (if (= i n)
        acc
        (loop (+ i 1)
              (+ acc (call/cc (lambda (k)
                                (if (= (remainder i 2) 0) (k i) (k (- i))))))))))

(display (run 200000))
(newline)
