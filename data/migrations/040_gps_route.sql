-- 040_gps_route.sql — planned road-test routes drawn under the live tracks.
-- One route per exam session; session_code '' is the centre's default route.
-- points_json: [[lat, lon], ...] in WGS84 degrees.
CREATE TABLE gps_route (
  id            INTEGER PRIMARY KEY,
  session_code  TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  points_json   TEXT NOT NULL,
  updated_at    INTEGER NOT NULL
);
