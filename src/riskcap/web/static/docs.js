// Starts Swagger UI on the service's own OpenAPI document (no inline script: the
// page runs under a Content-Security-Policy that allows this origin only).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
});
