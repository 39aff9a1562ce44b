// Runs once, on the first start of an empty data volume (the image's
// /docker-entrypoint-initdb.d), as the root user: one MongoDB user per service, allowed to
// read and write its own database (muninn_<service>) and nothing else. The passwords come
// from the container's environment (MUNINN_MONGO_PASSWORD_<SERVICE>, from .env).
const services = ["identity", "conversation", "memory", "scheduler", "integrations", "byod"];
// byod moves a user's content between the hosted databases and the user's own
// (muninn_byod.moves): it alone also reads and writes the content services' databases.
const movedByByod = ["conversation", "memory", "scheduler", "integrations"];
const admin = db.getSiblingDB("admin");
for (const service of services) {
  const password = process.env[`MUNINN_MONGO_PASSWORD_${service.toUpperCase()}`];
  if (!password) {
    throw new Error(`MUNINN_MONGO_PASSWORD_${service.toUpperCase()} is not set`);
  }
  const databases = service === "byod" ? [service, ...movedByByod] : [service];
  if (admin.getUser(service) === null) {
    admin.createUser({
      user: service,
      pwd: password,
      roles: databases.map((name) => ({ role: "readWrite", db: `muninn_${name}` })),
    });
  }
}
