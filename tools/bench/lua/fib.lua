-- Lua 5.4 version of tools/bench/programs/fib.eta (same algorithm, same output).
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

print(fib(35))
