;; Guile 3.0 version of tools/bench/programs/nqueens.eta (same algorithm, same output).
; nqueens: count all solutions of the 8-queens problem (list building,
; recursion), repeated.
(define (one-to n)
  (let loop ((i n) (l '()))
    (if (= i 0)
        l
        (loop (- i 1) (cons i l)))))

(define (ok? row dist placed)
  (or (null? placed)
      (and (not (= (car placed) (+ row dist)))
           (not (= (car placed) (- row dist)))
           (ok? row (+ dist 1) (cdr placed)))))

(define (try-it x y z)
  (if (null? x)
      (if (null? y) 1 0)
      (+ (if (ok? (car x) 1 z)
             (try-it (append (cdr x) y) '() (cons (car x) z))
             0)
         (try-it (cdr x) (cons (car x) y) z))))

(define (queens n)
  (try-it (one-to n) '() '()))

(define (run k acc)
  (if (= k 0)
      acc
      (run (- k 1) (+ acc (queens 8)))))

(display (run 500 0))
(newline)
