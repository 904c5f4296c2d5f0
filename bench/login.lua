-- Logins for wrk (bcrypt-bound). Argument: username, password.
function init(args)
  body = '{"username": "' .. args[1] .. '", "password": "' .. args[2] .. '"}'
end

function request()
  return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" }, body)
end
