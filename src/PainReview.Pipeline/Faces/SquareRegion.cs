using System.Numerics;

namespace PainReview.Pipeline.Faces;

/// <summary>
/// A square region of an image, possibly rotated: the crop a model sees. Coordinates are image
/// pixels; <see cref="Rotation"/> is the angle (radians, y down) of the crop's x axis in the image.
/// </summary>
public readonly record struct SquareRegion(float CenterX, float CenterY, float Size, float Rotation)
{
    /// <summary>Maps a point given in crop pixels of a crop <paramref name="cropSize"/> wide to image pixels.</summary>
    public Vector2 ToImage(float u, float v, int cropSize)
    {
        float nx = (u / cropSize - 0.5f) * Size, ny = (v / cropSize - 0.5f) * Size;
        var (sin, cos) = MathF.SinCos(Rotation);
        return new Vector2(CenterX + nx * cos - ny * sin, CenterY + nx * sin + ny * cos);
    }

    /// <summary>The whole image letterboxed into a square (for detection).</summary>
    public static SquareRegion Letterbox(int width, int height) => new(width / 2f, height / 2f, Math.Max(width, height), 0);

    /// <summary>
    /// MediaPipe's region for the face mesh: the landmarks' bounding box in the frame of the eye line
    /// (points 33 and 263), squared on its longer side and enlarged by <paramref name="scale"/>.
    /// </summary>
    public static SquareRegion FromLandmarks(ReadOnlySpan<float> landmarks, float scale = 1.5f)
    {
        var rotation = MathF.Atan2(landmarks[263 * 3 + 1] - landmarks[33 * 3 + 1], landmarks[263 * 3] - landmarks[33 * 3]);
        var (sin, cos) = MathF.SinCos(rotation);
        float minU = float.MaxValue, maxU = float.MinValue, minV = float.MaxValue, maxV = float.MinValue;
        for (var i = 0; i < landmarks.Length / 3; i++)
        {
            float x = landmarks[i * 3], y = landmarks[i * 3 + 1];
            // Rotate into the eye-line frame.
            float u = x * cos + y * sin, v = -x * sin + y * cos;
            minU = MathF.Min(minU, u); maxU = MathF.Max(maxU, u);
            minV = MathF.Min(minV, v); maxV = MathF.Max(maxV, v);
        }
        float cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
        var size = MathF.Max(maxU - minU, maxV - minV) * scale;
        return new SquareRegion(cu * cos - cv * sin, cu * sin + cv * cos, size, rotation);
    }

    /// <summary>MediaPipe's region from a detection: the box squared, enlarged, rotated to level the eyes.</summary>
    public static SquareRegion FromDetection(FaceDetection detection, float scale = 1.5f)
    {
        var rightEye = detection.Keypoints[0];
        var leftEye = detection.Keypoints[1];
        var rotation = MathF.Atan2(leftEye.Y - rightEye.Y, leftEye.X - rightEye.X);
        var box = detection.Box;
        return new SquareRegion(box.X + box.Width / 2, box.Y + box.Height / 2, MathF.Max(box.Width, box.Height) * scale, rotation);
    }
}
