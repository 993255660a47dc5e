-- Lua 5.4 version of tools/bench/programs/sieve.eta (same algorithm, same output).
local function sieve(n)
  local v = {}
  for i = 0, n do v[i] = true end
  v[0] = false
  v[1] = false
  local i = 2
  while i * i <= n do
    if v[i] then
      for j = i * i, n, i do v[j] = false end
    end
    i = i + 1
  end
  local c = 0
  for k = 0, n do
    if v[k] then c = c + 1 end
  end
  return c
end

local acc = 0
for _ = 1, 8 do
  acc = acc + sieve(2000000)
end
print(acc)
