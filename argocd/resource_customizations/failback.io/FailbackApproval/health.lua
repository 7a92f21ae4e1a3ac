-- Argo CD health of a FailbackApproval (failback.io/v1alpha1); docs/argocd.md says why each state maps so.
-- Lua 5.1 with only the base and table libraries, as Argo CD runs it.
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
local accepted = nil
if status.conditions ~= nil then
  for _, c in ipairs(status.conditions) do
    if c.type == "Accepted" and c.observedGeneration == generation then
      accepted = c
    end
  end
end

if accepted == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to accept or refuse the approval"
  return hs
end

local message = accepted.message or ""
if message == "" then
  message = accepted.reason or ""
end
hs.message = message
if accepted.status == "True" then
  hs.status = "Healthy"
elseif accepted.status == "False" and (accepted.reason == "StaleRun" or accepted.reason == "ApprovalNotRequired") then
  -- Another run than the plan's current one, or a plan that needs no approval: harmless by design
  -- (a stale approval never approves the next run), but it approves nothing.
  hs.status = "Suspended"
elseif accepted.status == "False" then
  -- It names a plan this namespace does not have, or is refused: a mistake to fix.
  hs.status = "Degraded"
else
  hs.status = "Progressing"
end
return hs
