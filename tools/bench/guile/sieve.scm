;; Guile 3.0 version of tools/bench/programs/sieve.eta (same algorithm, same output).
; sieve: sieve of Eratosthenes over a vector up to 2,000,000, counting the
; primes; repeated.
(define (sieve n)
  (let ((v (make-vector (+ n 1) #t)))
    (vector-set! v 0 #f)
    (vector-set! v 1 #f)
    (let loop ((i 2))
      (when (<= (* i i) n)
        (when (vector-ref v i)
          (do ((j (* i i) (+ j i)))
              ((> j n))
            (vector-set! v j #f)))
        (loop (+ i 1))))
    (let count ((i 0) (c 0))
      (if (> i n)
          c
          (count (+ i 1) (if (vector-ref v i) (+ c 1) c))))))

(define (run k acc)
  (if (= k 0)
      acc
      (run (- k 1) (+ acc (sieve 2000000)))))

(display (run 8 0))
(newline)
