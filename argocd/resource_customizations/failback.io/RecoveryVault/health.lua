-- Argo CD health of the shared infrastructure kinds of failback.io: MasterTarget, RecoveryVault, VCenter.
-- One script for the three kinds; Lua 5.1 with only the base and table libraries, as Argo CD runs it.
local hs = {}
local generation = 0
if obj.metadata ~= nil and obj.metadata.generation ~= nil then
  generation = obj.metadata.generation
end
local status = obj.status

-- Nothing in status counts until the operator has seen the current spec.
if status == nil or status.observedGeneration == nil or status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to observe generation " .. generation
  return hs
end

-- A condition is trusted only when it was written for the current generation.
local function condition(kind)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == kind and c.observedGeneration == generation then
      return c
    end
  end
  return nil
end

local function text(c)
  if c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return c.reason or ""
end

local ready = condition("Ready")
if ready ~= nil then
  if ready.status == "True" then
    hs.status = "Healthy"
  elseif ready.status == "False" and ready.reason == "Waiting" then
    -- Not ready yet, but nothing to fix: waiting for something that may still come (FB022).
    hs.status = "Progressing"
  elseif ready.status == "False" then
    hs.status = "Degraded"
  else
    hs.status = "Progressing"
  end
  hs.message = text(ready)
  return hs
end

-- No summary yet: a current refusal of a part still says what to fix.
for _, kind in ipairs({ "Connected", "PrerequisitesMet" }) do
  local c = condition(kind)
  if c ~= nil and c.status == "False" then
    hs.status = "Degraded"
    hs.message = kind .. ": " .. text(c)
    return hs
  end
end

hs.status = "Progressing"
hs.message = "waiting for the operator to report Ready at generation " .. generation
return hs
