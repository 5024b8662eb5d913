import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The stored documents as the code declares them: for every
 * `defineCollection<XDoc>('name', …)` in packages/db/src, the collection's
 * name and XDoc's top-level fields, read with the TypeScript checker (so a
 * field added to a doc type is seen without anyone listing it).
 */
export function declaredCollections(): Map<string, string[]> {
  const configPath = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('cannot read packages/db/tsconfig.json');
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const checker = program.getTypeChecker();
  const found = new Map<string, string[]>();
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || !file.fileName.includes('/packages/db/src/')) continue;
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'defineCollection' &&
        node.typeArguments?.length === 1 &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        const [typeArgument] = node.typeArguments;
        if (typeArgument) {
          const type = checker.getTypeFromTypeNode(typeArgument);
          found.set(
            node.arguments[0].text,
            checker
              .getPropertiesOfType(type)
              .map((p) => p.name)
              .sort(),
          );
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}
