DROP TABLE categories;
DROP TABLE units;
DROP TABLE grids;
DROP TABLE regions;
