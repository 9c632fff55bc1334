// mqtt_esp8266: lesson 1-4. PubSubClient's own example (File → Examples → PubSubClient →
// mqtt_esp8266), pointed at the lab. It connects with a random client id
// ESP8266Client-<hex>, drawn again on every attempt, publishes "hello world" to outTopic and
// subscribes to inTopic after every connect, then publishes "hello world #<n>" every 2 seconds.
// A message on inTopic whose first character is 1 switches the LED on, any other switches it off.
// A failed connect prints "failed, rc=<state> try again in 5 seconds" and waits 5 s.
//
// Against the lab: run `mqtt-lab --lan`, put the mqttServer line it prints in place of the one
// below, set ssid and password, upload, open the serial monitor at 115200 baud, subscribe in the
// lab to outTopic and publish 1 or 0 to inTopic. Without a board,
// `mqtt-lab nodemcu --pty --sketch example` (or `new esp --sketch example` inside the lab) runs the
// same program on a virtual NodeMCU.
//
// PubSubClient 自带的 mqtt_esp8266 示例（第 1-4 课），改为连接实验室：随机客户端ID
// ESP8266Client-<十六进制>，每次尝试都重新生成；每次连上后向 outTopic 发布 "hello world" 并订阅
// inTopic，之后每 2 秒发布 "hello world #<n>"。inTopic 上的消息第一个字符是 1 就点亮 LED，否则熄灭。
// 连接失败时打印 "failed, rc=<状态> try again in 5 seconds"，等 5 秒再试。在电脑上运行
// `mqtt-lab --lan`，把它打印的 mqttServer 那一行替换下面那一行，填好 Wi-Fi，上传，串口监视器设为
// 115200，在实验室里订阅 outTopic，向 inTopic 发布 1 或 0。没有开发板：
// `mqtt-lab nodemcu --pty --sketch example`（或在实验室里 `new esp --sketch example`）。

#include <ESP8266WiFi.h>
#include <PubSubClient.h>

const char* ssid = "taichi-maker";        // your Wi-Fi 你的 Wi-Fi 名称
const char* password = "12345678";        // its password 密码
const char* mqttServer = "192.168.1.23";  // ← the line mqtt-lab --lan prints

WiFiClient wifiClient;
PubSubClient mqttClient(wifiClient);
unsigned long lastMsg = 0;
#define MSG_BUFFER_SIZE (50)
char msg[MSG_BUFFER_SIZE];
int value = 0;

void setup_wifi() {
  delay(10);
  Serial.println();
  Serial.print("Connecting to ");
  Serial.println(ssid);

  WiFi.mode(WIFI_STA);
  WiFi.begin(ssid, password);

  while (WiFi.status() != WL_CONNECTED) {
    delay(500);
    Serial.print(".");
  }

  randomSeed(micros());

  Serial.println("");
  Serial.println("WiFi connected");
  Serial.println("IP address: ");
  Serial.println(WiFi.localIP());
}

void callback(char* topic, byte* payload, unsigned int length) {
  Serial.print("Message arrived [");
  Serial.print(topic);
  Serial.print("] ");
  for (unsigned int i = 0; i < length; i++) {
    Serial.print((char)payload[i]);
  }
  Serial.println();

  // Switch on the LED if a 1 was received as first character
  if ((char)payload[0] == '1') {
    digitalWrite(LED_BUILTIN, LOW);  // LOW is the voltage level, but the LED is on: it is active-low
  } else {
    digitalWrite(LED_BUILTIN, HIGH);  // off
  }
}

void reconnect() {
  // Loop until we're reconnected
  while (!mqttClient.connected()) {
    Serial.print("Attempting MQTT connection...");
    // Create a random client ID
    String clientId = "ESP8266Client-";
    clientId += String(random(0xffff), HEX);
    // Attempt to connect
    if (mqttClient.connect(clientId.c_str())) {
      Serial.println("connected");
      // Once connected, publish an announcement...
      mqttClient.publish("outTopic", "hello world");
      // ... and resubscribe
      mqttClient.subscribe("inTopic");
    } else {
      Serial.print("failed, rc=");
      Serial.print(mqttClient.state());
      Serial.println(" try again in 5 seconds");
      // Wait 5 seconds before retrying
      delay(5000);
    }
  }
}

void setup() {
  pinMode(LED_BUILTIN, OUTPUT);     // Initialize the LED_BUILTIN pin as an output
  digitalWrite(LED_BUILTIN, HIGH);  // and start with the LED off
  Serial.begin(115200);
  setup_wifi();
  mqttClient.setServer(mqttServer, 1883);
  mqttClient.setCallback(callback);
}

void loop() {
  if (!mqttClient.connected()) {
    reconnect();
  }
  mqttClient.loop();

  unsigned long now = millis();
  if (now - lastMsg > 2000) {
    lastMsg = now;
    ++value;
    snprintf(msg, MSG_BUFFER_SIZE, "hello world #%d", value);
    Serial.print("Publish message: ");
    Serial.println(msg);
    mqttClient.publish("outTopic", msg);
  }
}
