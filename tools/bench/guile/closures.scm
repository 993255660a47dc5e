;; Guile 3.0 version of tools/bench/programs/closures.eta (same algorithm, same output).
; closures: create and call many small closures (make-adder, compose,
; a counter with captured mutable state).
(define (make-adder n)
  (lambda (x) (+ x n)))

(define (compose f g)
  (lambda (x) (f (g x))))

(define (make-counter)
  (let ((count 0))
    (lambda ()
      (set! count (+ count 1))
      count)))

(define (run n)
  (let ((counter (make-counter))
        (add1 (make-adder 1))
        (twice (lambda (f) (lambda (x) (f (f x))))))
    (let loop ((i 0) (acc 0))
      (if (= i n)
          (+ acc (counter))
          (let* ((add-i (make-adder (remainder i 7)))
                 (f (compose add-i add1))
                 (g (twice f)))
            (counter)
            (loop (+ i 1) (remainder (+ acc (g i)) 1000000007)))))))

(display (run 2000000))
(newline)
