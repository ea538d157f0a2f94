// Starts Swagger UI on the API docs page (docs/adr/0022). A file rather than an inline script, so the
// page's Content-Security-Policy can allow scripts from the app itself only.
(function () {
  'use strict'
  var root = document.getElementById('swagger-ui')
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute('data-spec-url'),
    domNode: root,
    deepLinking: true,
    // The default asks validator.swagger.io for a badge: a request that would leave the plant.
    validatorUrl: null,
  })
})()
