-- Argo CD health of a FailbackPlan (failback.io/v1alpha1); docs/argocd.md says why each state maps so.
-- Lua 5.1 with only the base and table libraries, as Argo CD runs it: no string or math functions.
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

local phase = status.phase
local progression = status.progression
if phase == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to set a phase"
  return hs
end

local function describe(text)
  local head = phase
  if progression ~= nil and progression ~= "" then
    head = head .. " (" .. progression .. ")"
  end
  if text ~= nil and text ~= "" then
    return head .. ": " .. text
  end
  return head
end

-- Stuck until a person acts: a failed job, a plan that will not guess, something to fix in spec or around it.
local needs_a_person = {
  Failed = true,
  Paused = true,
}
local refusals = {
  PrerequisitesBlocked = true,
  FailbackBlocked = true,
  ItemsNotFound = true,
  ItemsClaimedElsewhere = true,
  WindowClosed = true,
}
if needs_a_person[phase] or (progression ~= nil and refusals[progression]) then
  hs.status = "Degraded"
  hs.message = describe(status.message)
  return hs
end

local ready = condition("Ready")

-- Site Recovery could not be read: the plan takes no step, whatever it waited for before.
if ready ~= nil and ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = describe(ready.message)
  return hs
end

-- Waiting for an outside event, nothing to fix: the window, an approval, the commit of the next action.
local waiting = {
  WaitingForWindow = true,
  WaitingForApproval = true,
}
if waiting[phase] or (phase == "Committing" and progression == "WaitingForCommitAction") then
  hs.status = "Suspended"
  hs.message = describe(status.message)
  return hs
end

if phase == "Completed" then
  if ready ~= nil and ready.status == "True" then
    hs.status = "Healthy"
    hs.message = describe(status.message)
    return hs
  end
  hs.status = "Progressing"
  hs.message = describe("waiting for condition Ready to be True at generation " .. generation)
  return hs
end

hs.status = "Progressing"
hs.message = describe(status.message)
return hs
