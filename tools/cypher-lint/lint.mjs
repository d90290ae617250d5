// Lints every Cypher statement of the Neo4j backend with Neo4j's own linter.
// Input (stdin): {schema: {labels, relationshipTypes, propertyKeys},
//                 statements: [{name, query, parameters}]}
// from `python -m graph.neo4j_cypher`. Prints one line per finding and exits 1
// if there is any: errors and warnings alike (an unknown label is a warning).
import { readFileSync } from 'node:fs';
import { lintCypherQuery } from '@neo4j-cypher/language-support';

const input = JSON.parse(readFileSync(0, 'utf8'));
let findings = 0;
for (const statement of input.statements) {
  const schema = { ...input.schema, parameters: statement.parameters ?? {} };
  const result = lintCypherQuery(statement.query, schema);
  const diagnostics = Array.isArray(result) ? result : (result.diagnostics ?? []);
  for (const d of diagnostics) {
    findings += 1;
    const kind = d.severity === 1 ? 'error' : 'warning';
    console.log(`${statement.name}: ${kind}: ${d.message}`);
  }
}
console.log(`${input.statements.length} statements, ${findings} findings`);
process.exit(findings ? 1 : 0);
