;; Guile 3.0 version of tools/bench/programs/lists.eta (same algorithm, same output).
; lists: build a list of 1,000,000 integers, reverse it, map over it and
; sum it with a loop; repeated.
(define (build n)
  (let loop ((i 0) (acc '()))
    (if (= i n)
        acc
        (loop (+ i 1) (cons i acc)))))

(define (sum lst)
  (let loop ((l lst) (s 0))
    (if (null? l)
        s
        (loop (cdr l) (+ s (car l))))))

(define (once n)
  (let* ((l (build n))
         (r (reverse l))
         (m (map (lambda (x) (* 2 x)) r)))
    (+ (sum m) (length r))))

(define (run k acc)
  (if (= k 0)
      acc
      (run (- k 1) (+ acc (once 1000000)))))

(display (run 2 0))
(newline)
