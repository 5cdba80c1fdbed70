// Reads {"schemas": [...], "cases": [[schemaIndex, instance], ...]} on stdin; prints one verdict per case.
import Ajv2020 from "ajv/dist/2020.js";
import Ajv from "ajv";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));
const validators = input.schemas.map((schema) => {
  const options = { strict: false, unicodeRegExp: true, validateFormats: false, allErrors: false };
  const ajv = schema.$schema.includes("2020-12") ? new Ajv2020(options) : new Ajv(options);
  return ajv.compile(schema);
});
const verdicts = input.cases.map(([index, instance]) => validators[index](instance));
process.stdout.write(JSON.stringify(verdicts));
