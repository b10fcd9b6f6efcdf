using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PainReview.Testing;

/// <summary>The portal as a real operating-system process, started from its build output.</summary>
public sealed class PortalProcess : IDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly System.Text.StringBuilder _log = new();

    public Uri BaseAddress { get; }
    public int ProcessId => _process.Id;
    public string Log { get { lock (_log) return _log.ToString(); } }

    private PortalProcess(System.Diagnostics.Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public static string WebDll => BuiltDll("PainReview.Web", "PainReview.Web.dll");

    /// <summary>A project's build output in this repository, in the configuration the tests were built with.</summary>
    public static string BuiltDll(string project, string dll)
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", project, "bin", configuration, "net10.0", dll);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{dll} is not built.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public const string AdminEmail = "admin@example.org";
    public const string AdminPassword = "Test-Password-1";

    public static async Task<PortalProcess> StartAsync(string dataDirectory, int port, IDictionary<string, string>? environment = null)
    {
        var dll = WebDll;
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{port}");
        psi.Environment["PainReview__DataDirectory"] = dataDirectory;
        psi.Environment["PainReview__Models"] = TestEnvironment.Models.Path;
        psi.Environment["PAINREVIEW_ADMIN_EMAIL"] = AdminEmail;
        psi.Environment["PAINREVIEW_ADMIN_PASSWORD"] = AdminPassword;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;

        var process = System.Diagnostics.Process.Start(psi)!;
        var portal = new PortalProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (portal._log) portal._log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (portal._log) portal._log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"The portal exited with {process.ExitCode}:\n{portal.Log}");
            try
            {
                if ((await http.GetAsync(new Uri(portal.BaseAddress, "/healthz"))).IsSuccessStatusCode) return portal;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        portal.Dispose();
        throw new TimeoutException($"The portal did not become healthy:\n{portal.Log}");
    }

    /// <summary>Signs in through the real login form (antiforgery token and all).</summary>
    public static async Task SignInAsync(HttpClient client, string email, string password)
    {
        var page = await client.GetStringAsync("/Account/Login");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Sign-in of {email} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>SIGKILL: no shutdown hooks, no chance to tidy up.</summary>
    public void KillHard()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        KillHard();
        _process.Dispose();
    }
}
