// Loads every pinned package, proving the install works.
import OpenAI from "openai";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Webhook } from "standardwebhooks";
console.log([typeof OpenAI, typeof Client, typeof Webhook].join(" "));
