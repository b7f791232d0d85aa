// Drives reef's MCP server with the official MCP TypeScript client:
// lists the tools at $REEF_URL/mcp and calls one.
// Usage: node mcp-client.mjs TOOL MESSAGE  (env REEF_URL, REEF_TOKEN)
// Prints {"tools": [...], "reply": "..."} as JSON.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [tool, message] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL("/mcp", process.env.REEF_URL), {
  requestInit: { headers: { Authorization: `Bearer ${process.env.REEF_TOKEN}` } },
});
const client = new Client({ name: "reef-e2e", version: "1.0.0" });
await client.connect(transport);
const { tools } = await client.listTools();
const result = await client.callTool({ name: tool, arguments: { message } });
if (result.isError) {
  console.error("tool error:", JSON.stringify(result.content));
  process.exit(1);
}
const reply = result.content.filter((c) => c.type === "text").map((c) => c.text).join("");
console.log(JSON.stringify({ tools: tools.map((t) => t.name), reply }));
await client.close();
