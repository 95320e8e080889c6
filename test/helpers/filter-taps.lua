-- One tshark pass that evaluates many display filters: one tap per filter
-- (tshark builds each frame's tree once and runs every tap's filter on it).
-- Used by test/helpers/tshark.ts (tsharkFilterFrames):
--   tshark -q -r FILE -X lua_script:filter-taps.lua -X lua_script1:FILTERS
-- FILTERS holds one display filter a line. Output, one line per match:
-- "<filter line number> <frame number>"; a filter that does not compile:
-- "<filter line number> error <message>".
local filters_file = ...
local taps = {}
local index = 0
for filter in io.lines(filters_file) do
  index = index + 1
  local line = index
  local ok, tap = pcall(Listener.new, "frame", filter)
  if ok then
    function tap.packet(pinfo) io.write(line, " ", pinfo.number, "\n") end
    taps[line] = tap
  else
    io.write(line, " error ", tostring(tap):gsub("\n", " "), "\n")
  end
end
