-- Lua 5.4 version of tools/bench/programs/tak.eta (same algorithm, same output).
local function tak(x, y, z)
  if not (y < x) then return z end
  return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y))
end

local acc = 0
for _ = 1, 1000 do
  acc = acc + tak(18, 12, 6)
end
print(acc)
