// Loads cli/main.ts through tsx, the TypeScript loader the program itself runs under.
require("tsx/cjs");
require("./main.ts");
