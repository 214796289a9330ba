// The Verdaccio child process of @cinatra/registry (plain JavaScript: it runs from the
// sources and from the built package alike). Started by `startVerdaccio` with an IPC channel;
// it reads the config file named in argv, listens on 127.0.0.1 (port 0 = a free one) and
// reports `{ type: 'listening', port }`. It exits when the parent tells it to, or when the
// IPC channel closes (the parent died), so no registry outlives its platform.
import { parseConfigFile, runServer } from 'verdaccio';

const [configPath, portText] = process.argv.slice(2);
const config = parseConfigFile(configPath);
config.configPath = configPath;
config.self_path = configPath;
const app = await runServer(config);
const server = app.listen(Number(portText), '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: server.address().port });
});
server.on('error', (error) => {
  process.send?.({ type: 'error', message: error.message });
  process.exit(1);
});

const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('message', (message) => {
  if (message && message.type === 'stop') shutdown();
});
process.on('disconnect', shutdown);
