import { columnMeans, fromRows, scatterMatrix } from "./matrix.ts";
import { assertClose } from "./_test_utils.ts";

Deno.test("column means and scatter matrix match a hand computation", () => {
  // Five rows so both the 4-row block and the remainder loop run.
  const x = fromRows([[1, 2], [3, 0], [5, 4], [-1, 2], [2, 2]]);
  const mean = columnMeans(x);
  assertClose(mean, [2, 2]);
  // Deviations: (-1,0) (1,-2) (3,2) (-3,0) (0,0): sum of squares 20 and 8, cross -2+6 = 4.
  assertClose(scatterMatrix(x, mean), [20, 4, 4, 8]);
});
