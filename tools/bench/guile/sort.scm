;; Guile version of sort.eta (same algorithm).
; sort: stable merge sort of 200,000 pseudo-random integers (a linear
; congruential generator), repeated; prints a checksum of the sorted lists.
(define (random-list n seed)
  (let loop ((i 0) (x seed) (acc '()))
    (if (= i n)
        acc
        (let ((next (modulo (+ (* x 1103515245) 12345) 2147483648)))
          (loop (+ i 1) next (cons (modulo next 1000000) acc))))))

(define (checksum lst)
  (let loop ((l lst) (i 0) (acc 0))
    (if (null? l)
        acc
        (loop (cdr l) (+ i 1) (modulo (+ acc (* (car l) (+ 1 (modulo i 7)))) 1000000007)))))

(define (run k acc)
  (if (= k 0)
      acc
      (run (- k 1) (+ acc (checksum (sort (random-list 200000 k) <))))))

(display (run 5 0))
(newline)
