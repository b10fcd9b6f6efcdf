using System.Net;
using System.Net.Http.Headers;

namespace PainReview.Web.Tests.Process;

/// <summary>
/// Host (real processes): two portals on one host never accept each other's cookies (each has its
/// own key ring in its own database), a restart keeps the instance's own sessions, and what a
/// process killed mid-upload left behind is swept at the next start.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InstanceIsolationTests : IDisposable
{
    private readonly TempDirectory _temp = TestEnvironment.TempDirectory();
    private static readonly CancellationToken Ct = TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    private static HttpClient ClientOf(Uri address, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = cookies is not null }) { BaseAddress = address };

    [Fact]
    public async Task An_admin_cookie_of_one_instance_opens_nothing_on_another()
    {
        var portA = PortalProcess.FreePort();
        using var training = await PortalProcess.StartAsync(Path.Combine(_temp.Path, "training"), portA);
        using var production = await PortalProcess.StartAsync(Path.Combine(_temp.Path, "production"), PortalProcess.FreePort());

        var cookies = new CookieContainer();
        using (var signIn = ClientOf(training.BaseAddress, cookies))
        {
            await PortalProcess.SignInAsync(signIn, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
            Assert.Equal(HttpStatusCode.OK, (await signIn.GetAsync("/admin/users", Ct)).StatusCode);
        }
        var cookie = cookies.GetCookieHeader(training.BaseAddress);
        Assert.Contains("PainReview.Auth", cookie);

        // The same cookie, replayed against the other instance: as if no one had signed in.
        using var replay = ClientOf(production.BaseAddress);
        foreach (var path in new[] { "/admin/users", "/studies", "/data/exports" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", cookie);
            var response = await replay.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/Account/Login", response.Headers.Location!.ToString());
        }
        using (var hangfire = new HttpRequestMessage(HttpMethod.Get, "/hangfire"))
        {
            hangfire.Headers.Add("Cookie", cookie);
            Assert.NotEqual(HttpStatusCode.OK, (await replay.SendAsync(hangfire, Ct)).StatusCode);
        }
        using (var api = new HttpRequestMessage(HttpMethod.Get, "/api/studies"))
        {
            api.Headers.Add("Cookie", cookie);
            api.Headers.Add("X-PainReview-Api", "1");
            Assert.Equal(HttpStatusCode.Unauthorized, (await replay.SendAsync(api, Ct)).StatusCode);
        }

        // The instance's own key ring lives in its database: its sessions survive its restart.
        training.KillHard();
        using var restarted = await PortalProcess.StartAsync(Path.Combine(_temp.Path, "training"), portA);
        using var again = ClientOf(restarted.BaseAddress);
        using var own = new HttpRequestMessage(HttpMethod.Get, "/admin/users");
        own.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await again.SendAsync(own, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_kill_during_an_upload_leaves_no_partial_video_after_the_restart()
    {
        var data = Path.Combine(_temp.Path, "data");
        var port = PortalProcess.FreePort();
        var videos = Path.Combine(data, "videos");
        using (var portal = await PortalProcess.StartAsync(data, port))
        {
            var cookies = new CookieContainer();
            using var client = ClientOf(portal.BaseAddress, cookies);
            await PortalProcess.SignInAsync(client, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
            var studyId = await CreateStudyAsync(client);

            // An upload that sends 2 MiB of a face video and then stalls, as a dropped connection would.
            using var form = new MultipartFormDataContent { { new StringContent("K-001"), "participant" } };
            var body = new StreamContent(new StallingStream(File.ReadAllBytes(TestEnvironment.Clip("2015-10-15-15-14.avi")).AsMemory(0, 2 << 20)));
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(body, "file", "face.avi");
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/studies/{studyId}/recordings") { Content = form };
            request.Headers.Add("X-PainReview-Api", "1");
            var sending = client.SendAsync(request, Ct);

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!Directory.EnumerateFiles(videos, ".incoming-*").Any(f => new FileInfo(f).Length > 0))
            {
                Assert.True(DateTime.UtcNow < deadline, "the upload never reached the store");
                await Task.Delay(100, Ct);
            }
            portal.KillHard();
            await Assert.ThrowsAnyAsync<Exception>(() => sending);
        }
        var partial = Directory.GetFiles(videos, ".incoming-*");
        Assert.NotEmpty(partial);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(partial[0]));
        // An export that was being written when the process died.
        var export = Path.Combine(data, "tmp", "export-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(export, "half an export", Ct);

        using (await PortalProcess.StartAsync(data, port))
        {
            Assert.Empty(Directory.GetFiles(videos, ".incoming-*"));
            Assert.False(File.Exists(export));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(data, "tmp")));
    }

    private static async Task<Guid> CreateStudyAsync(HttpClient client)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/studies") { Content = System.Net.Http.Json.JsonContent.Create(new { name = "Kill test" }) };
        create.Headers.Add("X-PainReview-Api", "1");
        var response = await client.SendAsync(create, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetGuid();
        using var participant = new HttpRequestMessage(HttpMethod.Post, $"/api/studies/{id}/participants") { Content = System.Net.Http.Json.JsonContent.Create(new { code = "K-001" }) };
        participant.Headers.Add("X-PainReview-Api", "1");
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(participant, Ct)).StatusCode);
        return id;
    }

    /// <summary>Gives its bytes, then never ends.</summary>
    private sealed class StallingStream(ReadOnlyMemory<byte> head) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= head.Length)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return 0;
            }
            var n = Math.Min(buffer.Length, head.Length - _position);
            head.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
